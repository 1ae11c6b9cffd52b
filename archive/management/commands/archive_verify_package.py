"""Check a records package as its recipient would (``archive.package_check``), with this
deployment's keys, and as a bag with the bagit library; name the first file that does
not hold."""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import bagit
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive import signing, timestamps
from archive.package_check import HEAD, PackageProblem, ZipSource, package_check


class Command(BaseCommand):
    help = "Check a records package (ZIP file): its bag, its proofs, its signed heads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("package", type=Path, help="the package's ZIP file")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["package"]
        try:
            source = ZipSource(path)
            head = json.loads(source.open(HEAD).read())
            key = signing.public_keys().get(head.get("key_id", ""))
            if key is None:
                raise PackageProblem(f"{HEAD}: signed with a key this deployment does not publish")
            chains = timestamps.chains() if timestamps.configured() else []
            verdict = package_check(
                source,
                public_key=key.public_bytes(Encoding.Raw, PublicFormat.Raw),
                tsa_chains=chains,
            )
            with tempfile.TemporaryDirectory() as folder:
                source.zip.extractall(folder)
                bag = bagit.Bag(str(Path(folder) / source.root))
                bag.validate()
        except PackageProblem as error:
            raise CommandError(f"does not hold: {error}") from error
        except bagit.BagValidationError as error:
            raise CommandError(f"does not hold as a bag: {error}") from error
        except (OSError, zipfile.BadZipFile, ValueError, KeyError) as error:
            raise CommandError(f"does not hold: not a package ({error})") from error
        stamped = " and their time-stamps" if chains else ""
        self.stdout.write(
            f"holds: {verdict.events} events of request {verdict.number}, in the log"
            f" {verdict.origin} as signed at {verdict.signed_at}; its heads{stamped} are"
            " this deployment's"
        )
