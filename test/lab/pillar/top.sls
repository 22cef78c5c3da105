base:
  # '*': the minions and the master's own minion (orchestrate runs there and reads this pillar)
  '*':
    - drbdha
{#- `lab fencing ipmi` leaves this marker beside the master's root_dir: fence_ipmilan instead of SBD #}
{%- if salt["file.file_exists"](opts["root_dir"] ~ "/../fencing-ipmi") %}
    - ipmi
{%- else %}
    - sbd
{%- endif %}
