"""Drop indexes another index of their table begins with (``indexes_dropped``)."""

import django.db.models.deletion
from django.db import migrations, models

from govsocial.tenancy import agency_unindexed, indexes_dropped


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_approval_reminders"),
        ("approvals", "0010_reminded_step"),
    ]

    operations = [
        indexes_dropped(
            [
                agency_unindexed("approvalchain"),
                migrations.AlterField(
                    model_name="approvalstep",
                    name="chain",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="steps",
                        to="approvals.approvalchain",
                    ),
                ),
                migrations.AlterField(
                    model_name="decision",
                    name="approval",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="decisions",
                        to="approvals.approval",
                    ),
                ),
                agency_unindexed("emergencypublisher"),
                migrations.AlterField(
                    model_name="externallink",
                    name="approval",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="links",
                        to="approvals.approval",
                    ),
                ),
                migrations.AlterField(
                    model_name="stepapprover",
                    name="step",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="approvers",
                        to="approvals.approvalstep",
                    ),
                ),
            ],
            {
                "approvals_approvalchain_agency_id_183fdc40": "approvals_approvalchain (agency_id)",
                "approvals_approvalstep_chain_id_9290ba3f": "approvals_approvalstep (chain_id)",
                "approvals_decision_approval_id_28bc1ade": "approvals_decision (approval_id)",
                "approvals_emergencypublisher_agency_id_2afc2b0e": "approvals_emergencypublisher (agency_id)",
                "approvals_externallink_approval_id_0fdfda50": "approvals_externallink (approval_id)",
                "approvals_stepapprover_step_id_e968e57f": "approvals_stepapprover (step_id)",
            },
        ),
    ]
