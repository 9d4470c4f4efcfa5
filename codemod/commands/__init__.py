"""One module per command; see codemod.cli.COMMANDS."""
