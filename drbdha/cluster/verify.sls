{#- Wait until both nodes are cluster members with quorum. #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/map.jinja" import drbdha with context %}

drbdha-cluster-members:
  drbdha.cluster_members:
    - nodes: {{ drbdha.nodes | list | sort | json }}
    - timeout: 600
