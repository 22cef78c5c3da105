# (b2) crm resource ban → cli-ban constraint; errors of crm
P=pacemaker/2.1.5; C=crmsh/4.4.1
cap $C crm-resource-ban-rsc_kvm_havm-node-2.txt node-1 "havm Started on node-2 (after move+clear). The ban command itself." -- crm resource ban rsc_kvm_havm node-2
"$FASTLAB" exec node-1 crm_resource --wait --timeout=120s
S="Situation (b) after \`crm resource ban rsc_kvm_havm node-2\` and \`crm_resource --wait\`: cli-ban-rsc_kvm_havm-on-node-2 present; havm and Promoted back on node-1."
cap $P crm_mon-banned-node-2.xml node-1 "$S" -- crm_mon -1 --output-as=xml
cap $P cibadmin-Q-o-constraints-cli-ban.xml node-1 "$S" -- cibadmin -Q -o constraints
cap $C crm-configure-show-cli-ban.txt node-1 "$S" -- crm configure show
cap $C crm-resource-move-lifetime.txt node-1 "$S Then a move with a lifetime (ISO 8601 duration PT1H) — creates a cli-prefer with a date_expression rule." -- crm resource move rsc_kvm_havm node-1 PT1H
cap $P cibadmin-Q-o-constraints-cli-ban-and-prefer-lifetime.xml node-1 "$S Plus \`crm resource move rsc_kvm_havm node-1 PT1H\`: cli-prefer with a lifetime rule and cli-ban together." -- cibadmin -Q -o constraints
cap $C crm-configure-show-cli-ban-and-prefer-lifetime.txt node-1 "Same as cibadmin-Q-o-constraints-cli-ban-and-prefer-lifetime.xml (pacemaker folder)." -- crm configure show
cap $C crm-resource-clear-ban-and-prefer.txt node-1 "clear with cli-ban and cli-prefer present." -- crm resource clear rsc_kvm_havm
"$FASTLAB" exec node-1 crm_resource --wait --timeout=120s
cap $C crm-resource-move-unknown-resource.txt node-1 "Healthy cluster; moving a resource that does not exist." -- crm resource move nosuch node-2
cap $C crm-resource-clear-unknown-resource.txt node-1 "Healthy cluster; clearing a resource that does not exist." -- crm resource clear nosuch
cap $C crm-resource-move-unknown-node.txt node-1 "Healthy cluster; moving havm to a node that does not exist." -- crm resource move rsc_kvm_havm node-9
