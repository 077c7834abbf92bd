from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """
    The sales workspace: the contact list with scores and owners, the companies and their
    account pages, a contact's routing panel. It reads contacts, scoring, routing and
    predictive; nothing imports it (like reports), so contacts stays free of scoring/routing.
    """

    name = "workspace"
    verbose_name = "Workspace"
