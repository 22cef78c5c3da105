{#- End a split brain of one DRBD resource, giving up the writes of the node
    the operator names (nothing is discarded without that name):
      salt-run drbdha.status                      # which node holds what
      salt-run state.orchestrate drbdha.orch.splitbrain pillar='{"resource": "res0", "discard": "node-2"}'
    The discarded node must not be Primary (move the guest away first). Its
    data generations are recorded in /var/lib/drbdha/discarded/ on it before
    it reconnects with --discard-my-data; the other node reconnects if it is
    StandAlone; then both wait until UpToDate, and the pair is verified. #}
{%- set tplroot = tpldir.split("/")[0] %}
{%- from tplroot ~ "/orch/pair.jinja" import config, pair, nodes, step_timeout, refusal with context %}
{%- set resources = config.drbd.get("resources", {}) | list | sort %}
{%- set resource = salt["pillar.get"]("resource", "") %}
{%- set discard = salt["pillar.get"]("discard", "") %}
{%- if pair.problems %}
{{ refusal("splitbrain") }}
{%- elif resource not in resources or discard not in nodes %}
drbdha-splitbrain-arguments:
  test.fail_without_changes:
    - name: >-
        Name the resource and the node whose writes are discarded, e.g.
        pillar='{"resource": "{{ resources | first }}", "discard": "{{ nodes | last }}"}'
        (resources: {{ resources | join(", ") }}; nodes: {{ nodes | join(", ") }}; given:
        resource={{ resource | json }}, discard={{ discard | json }}). Look first: salt-run drbdha.status
    - failhard: true
{%- else %}
{%- set keep = nodes | reject("equalto", discard) | first %}
{%- set sync_timeout = pair.sync_timeout %}
{%- set day2 = {"resource": resource, "discard": discard, "timeout": sync_timeout} %}

drbdha-splitbrain-discard:
  salt.state:
    - tgt: {{ discard }}
    - sls: drbdha.day2.splitbrain
    - pillar:
        drbdha_day2: {{ day2 | json }}
    - timeout: {{ step_timeout }}
    - failhard: true

drbdha-splitbrain-keep:
  salt.state:
    - tgt: {{ keep }}
    - sls: drbdha.day2.splitbrain
    - pillar:
        drbdha_day2: {{ day2 | json }}
    - timeout: {{ step_timeout }}
    - failhard: true

drbdha-splitbrain-resynced:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: drbdha.day2.resynced
    - pillar:
        drbdha_day2: {{ day2 | json }}
    - timeout: {{ [step_timeout, sync_timeout] | max }}
    - failhard: true

drbdha-splitbrain-verify:
  salt.state:
    - tgt: {{ nodes | json }}
    - tgt_type: list
    - sls: drbdha.verify
    - timeout: {{ step_timeout }}
    - failhard: true
{%- endif %}
