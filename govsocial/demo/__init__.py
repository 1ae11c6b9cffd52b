"""The demo agency's working fortnight for `make run`, made through the apps' own
services against the network emulator: ``networks`` connects its accounts as an admin
authorises them on each network's page, ``fortnight`` writes, approves, publishes and
answers as its people would. Only ``manage.py demo_data`` uses it, and only when the
networks are the emulator (``EMULATOR_URL``)."""
