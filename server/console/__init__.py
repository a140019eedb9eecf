"""The agency console: the web pages administrators and supervisors use, served by the central server at
``/console/`` (see ``server.console.app``)."""
