{#- Cluster resources (reference steps 5, 6 and 8): a promotable DRBD clone per
    resource, a VirtualDomain per guest colocated with its clone's Promoted role
    and ordered after its promotion, the optional virtual IP and the fencing
    choice. Converged from the first node; objects are compared one by one and
    only the differing ones are loaded. #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/map.jinja" import drbdha with context %}

{%- if drbdha.is_first_node %}
{%- set sbd = drbdha.cluster.stonith.mode == "sbd" %}
{%- if sbd %}
drbdha-cib-watchdog-fencing-ready:
  drbdha.watchdog_fencing_ready
{%- endif %}
{%- for name, value in salt["drbdha.cluster_properties"](drbdha) | dictsort %}

drbdha-cib-property-{{ name }}:
  crmsh.property_set:
    - name: {{ name }}
    - value: "{{ value }}"
{%-   if sbd %}
    - require:
      - drbdha: drbdha-cib-watchdog-fencing-ready
{%-   endif %}
{%- endfor %}

{%- if drbdha.cluster.stonith.mode == "none" %}
drbdha-cib-fencing-warning:
  test.show_notification:
    - text: >-
        WARNING: node fencing is off (drbdha:cluster:stonith:mode is none). When
        the two nodes lose sight of each other, both run the guest and the writes
        one of them acknowledged are lost when they meet again. SUSE supports HA
        clusters only with STONITH: configure sbd (with a quorum device) or ipmi.
{%- endif %}

drbdha-cib-objects:
  crmsh.cib_objects:
    - name: drbdha
    - objects: {{ salt["drbdha.cib_objects"](drbdha) | json }}
    - require:
      - crmsh: drbdha-cib-property-stonith-enabled
{%- endif %}
