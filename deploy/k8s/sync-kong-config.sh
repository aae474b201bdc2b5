#!/bin/sh
# Copy each environment's rendered kong.yml into its Kubernetes overlay (kustomize reads no file outside the
# kustomization's folder). Source: deploy/kong/kong.<env>.yml, or gateway/kong.yml while that render does not
# exist. deploy/tests/test_deploy_k8s.py fails while a copy differs from its source. Run from anywhere:
#     sh deploy/k8s/sync-kong-config.sh
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
for env in dev prod; do
    source="$root/deploy/kong/kong.$env.yml"
    [ -f "$source" ] || source="$root/gateway/kong.yml"
    cp "$source" "$root/deploy/k8s/overlays/$env/kong/kong.yml"
    echo "deploy/k8s/overlays/$env/kong/kong.yml <- ${source#"$root"/}"
done
