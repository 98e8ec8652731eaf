# completions/local.mk -- installs the bash, zsh and fish completions under
# $(datadir), so that a --prefix install (and distcheck) stays inside the
# prefix.  zsh: site-functions, because /usr/local/share/zsh/site-functions
# is in zsh's default fpath and /usr/local/share/zsh/vendor-completions is
# not; a distribution package (prefix /usr) sets
# zshcompdir=/usr/share/zsh/vendor-completions instead.
bashcompdir = $(datadir)/bash-completion/completions
zshcompdir = $(datadir)/zsh/site-functions
fishcompdir = $(datadir)/fish/vendor_completions.d
dist_zshcomp_DATA = completions/_sprof
dist_fishcomp_DATA = completions/sprof.fish
EXTRA_DIST += completions/sprof.bash

# bash-completion finds a command's completion by the command's name, so
# sprof.bash is installed as "sprof".  Dependency-only hooks, so other
# fragments can hook install-data-local / uninstall-local too.
install-data-local: install-bash-completion
uninstall-local: uninstall-bash-completion
.PHONY: install-bash-completion uninstall-bash-completion
install-bash-completion:
	$(MKDIR_P) '$(DESTDIR)$(bashcompdir)'
	$(INSTALL_DATA) '$(srcdir)/completions/sprof.bash' '$(DESTDIR)$(bashcompdir)/sprof'
uninstall-bash-completion:
	rm -f '$(DESTDIR)$(bashcompdir)/sprof'
