base:
  # '*': the minions and the master's own minion (orchestrate runs there and reads this pillar)
  '*':
    - drbdha
