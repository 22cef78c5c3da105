{#- The whole formula on one node, in rollout order; each concern lives in its
    own folder. The two-node rollout (which node first, waits between nodes,
    the first DRBD Primary) is drbdha.orch.deploy; this converges a node. #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/map.jinja" import drbdha with context %}
include:
{%- if drbdha.is_qnetd %}
  - .qnetd
{%- else %}
  - .packages
{%-   if drbdha.network.manage %}
  - .network
{%-   endif %}
  - .time
  - .cluster
  - .drbd
  - .vm
  - .cib
{%- endif %}
