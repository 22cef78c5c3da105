{#- Cluster resources (reference steps 5, 6 and 8): a promotable DRBD clone per
    resource, a VirtualDomain per guest colocated with its clone's Promoted role
    and ordered after its promotion, the optional virtual IP and the fencing
    choice. Converged from the first node; objects are compared one by one and
    only the differing ones are loaded. #}
{%- set tplroot = tpldir.split("/")[0] %}
{#- map.jinja's settings, as the first SLS file of this run made them: importing the map
    again would fetch it from the master and compile it again. #}
{%- set drbdha = salt["drbdha.settings_of_this_run"]() %}
{%- if drbdha is none %}{% from tplroot ~ "/map.jinja" import drbdha with context %}{% endif %}

{%- if drbdha.is_first_node %}
{%- for name, value in salt["drbdha.cluster_properties"](drbdha) | dictsort %}
drbdha-cib-property-{{ name }}:
  crmsh.property_set:
    - name: {{ name }}
    - value: "{{ value }}"
{%- endfor %}

{%- if drbdha.cluster.stonith.mode == "none" %}
drbdha-cib-fencing-warning:
  test.show_notification:
    - text: >-
        WARNING: STONITH is disabled (drbdha:cluster:stonith:mode is none). Only
        DRBD resource-level fencing keeps a cut-off node from taking over; SUSE
        supports HA clusters only with STONITH (IPMI or SBD).
{%- endif %}

drbdha-cib-objects:
  crmsh.cib_objects:
    - name: drbdha
    - objects: {{ salt["drbdha.cib_objects"](drbdha) | json }}
    - require:
      - crmsh: drbdha-cib-property-stonith-enabled
{%- endif %}
