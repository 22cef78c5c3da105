{#- The whole formula, in rollout order. Each concern lives in its own folder. #}
include:
  - .packages
