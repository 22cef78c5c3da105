# The functional tests pass each pillar in test/pillar/{good,bad} as a pillar
# override, whole; the master itself serves no drbdha pillar.
base: {}
