"""Where ``flet build`` starts the field app: Flet runs the ``main.py`` at the root of the folder it packages
(``[tool.flet.app]`` in pyproject.toml). Installed with pip, the app starts from the ``outpost`` command instead."""

from app.main import main

if __name__ == "__main__":
    main()
