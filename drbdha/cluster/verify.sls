{#- Wait until both nodes are cluster members with quorum. #}
{%- set tplroot = tpldir.split("/")[0] %}
{#- map.jinja's settings, as the first SLS file of this run made them: importing the map
    again would fetch it from the master and compile it again. #}
{%- set drbdha = salt["drbdha.settings_of_this_run"]() %}
{%- if drbdha is none %}{% from tplroot ~ "/map.jinja" import drbdha with context %}{% endif %}

drbdha-cluster-members:
  drbdha.cluster_members:
    - nodes: {{ drbdha.nodes | list | sort | json }}
    - timeout: 600
