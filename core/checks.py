"""System checks of the ports and registries: a missing implementation is found at start-up
(`manage.py check`, and before every command), not when a user first needs it."""

from django.core.checks import Error, register

from . import hooks, privacy


@register()
def ports_implemented(app_configs=None, **kwargs):
    return [
        Error(
            f"No implementation is registered for the port {name}.",
            hint="The app that implements it registers it in its AppConfig.ready().",
            id="core.E001",
        )
        for name, port in sorted(hooks.PORTS.items())
        if port.implementation is None
    ]


@register()
def personal_data_covered(app_configs=None, **kwargs):
    return [
        Error(
            f"{label} holds personal data (a foreign key to the user) but no privacy.py of "
            "its app exports and erases it.",
            hint="Add the model to its app's privacy.py (core.privacy.register).",
            id="core.E002",
        )
        for label in privacy.uncovered_models()
    ]
