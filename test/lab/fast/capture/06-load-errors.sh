C=crmsh/4.4.1
cap $C crm-configure-load-update-syntax-error.txt node-1 "Healthy cluster. /root/syntax-error.crm holds one line: 'primitiv rsc_bad2 ocf:heartbeat:Dummy' (misspelt keyword)." -- crm configure load update /root/syntax-error.crm
cap $C crm-configure-load-update-unknown-reference.txt node-1 "Healthy cluster. /root/unknown-ref.crm: 'colocation c1 inf: rsc_kvm_havm nosuchrsc'." -- crm configure load update /root/unknown-ref.crm
