{#- Checks before anything is changed (drbdha.preflight): the pillar is valid
    (map.jinja raises otherwise, naming the key); this node's hostname is its
    node name; the DRBD driver is there; each backing device exists and is
    unused; the node names resolve to the nodes' addresses; the peer answers
    on the replication network; fencing is configured or explicitly waived.
    `salt-run drbdha.preflight` runs the same checks on both nodes and also
    compares their device sizes and clocks (the rollout's first step). #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/map.jinja" import drbdha with context %}

drbdha-preflight:
  drbdha.preflight_passed
