"""The Reflex UI: state/ (thin, one per section), pages/, components/, routes.py.

Nothing here decides who may see or change what: the domain does (portal_ui.domain.sections,
portal_ui.domain.sessions). The UI asks it on every event that reads or changes data.
"""
