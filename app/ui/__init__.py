"""The Flet client: the shell (navigation, sync bar), one module per screen, and the widgets they share."""
