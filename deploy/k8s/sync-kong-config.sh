#!/bin/sh
# Copy Kong's files into the Kubernetes kustomizations (kustomize reads no file outside a kustomization's folder):
#   deploy/kong/kong.<env>.yml (gateway/kong.yml while that render does not exist) -> overlays/<env>/kong/kong.yml
#   deploy/kong/kong.conf and deploy/kong/errors/*                                    -> base/kong/
# deploy/tests/test_deploy_k8s.py fails while a copy differs from its source. Run from anywhere:
#     sh deploy/k8s/sync-kong-config.sh
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
for env in dev prod; do
    source="$root/deploy/kong/kong.$env.yml"
    [ -f "$source" ] || source="$root/gateway/kong.yml"
    cp "$source" "$root/deploy/k8s/overlays/$env/kong/kong.yml"
    echo "deploy/k8s/overlays/$env/kong/kong.yml <- ${source#"$root"/}"
done
cp "$root/deploy/kong/kong.conf" "$root/deploy/k8s/base/kong/kong.conf"
echo "deploy/k8s/base/kong/kong.conf <- deploy/kong/kong.conf"
mkdir -p "$root/deploy/k8s/base/kong/errors"
for template in "$root"/deploy/kong/errors/*; do
    cp "$template" "$root/deploy/k8s/base/kong/errors/"
    echo "deploy/k8s/base/kong/errors/${template##*/} <- deploy/kong/errors/${template##*/}"
done
