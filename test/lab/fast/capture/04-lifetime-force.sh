# (b3) move with a lifetime; move with force
P=pacemaker/2.1.5; C=crmsh/4.4.1
cap $C crm-resource-move-lifetime-PT1H.txt node-1 "havm Started on node-1. Move with a lifetime (ISO 8601 duration)." -- crm resource move rsc_kvm_havm node-2 PT1H
"$FASTLAB" exec node-1 crm_resource --wait --timeout=120s
S="After \`crm resource move rsc_kvm_havm node-2 PT1H\`: cli-prefer-rsc_kvm_havm with a date_expression (lt, end = now+1h) rule; havm on node-2."
cap $P cibadmin-Q-o-constraints-cli-prefer-lifetime.xml node-1 "$S" -- cibadmin -Q -o constraints
cap $C crm-configure-show-cli-prefer-lifetime.txt node-1 "$S" -- crm configure show
cap $P crm_mon-moved-lifetime.xml node-1 "$S" -- crm_mon -1 --output-as=xml
cap $C crm-resource-clear-after-lifetime.txt node-1 "$S The clear command." -- crm resource clear rsc_kvm_havm
"$FASTLAB" exec node-1 crm_resource --wait --timeout=120s
cap $C crm-resource-move-force-no-node.txt node-1 "havm Started on node-2, no cli-* constraint. Move without a node, with force (crmsh 4.4.1 positional 'force')." -- crm resource move rsc_kvm_havm force
"$FASTLAB" exec node-1 crm_resource --wait --timeout=120s
S="After \`crm resource move rsc_kvm_havm force\` (no node): crm_resource --ban on the current node, i.e. cli-ban-rsc_kvm_havm-on-node-2."
cap $P cibadmin-Q-o-constraints-move-force.xml node-1 "$S" -- cibadmin -Q -o constraints
cap $C crm-resource-clear-after-force.txt node-1 "$S The clear command." -- crm resource clear rsc_kvm_havm
"$FASTLAB" exec node-1 crm_resource --wait --timeout=120s
