"""The user project is a project of its own: its tests run only inside its scratch venv."""

collect_ignore = ["user_project"]
