#!/usr/bin/env bash
# Packing a dataset in a bucket on Slurm: list once, pack the parts as a job array, merge once
# every task has succeeded. Run on the login node:  DATA=s3://datasets/imagenet ./submit.sh
# Credentials come from the AWS SDK's chain on the compute nodes (AWS_PROFILE, the environment,
# an instance role); AWS_ENDPOINT_URL_S3 selects MinIO or another S3-compatible store.
set -euo pipefail
cd "$(dirname "$0")"
export DATA="${DATA:-s3://datasets/imagenet}"
list=$(sbatch --parsable --export=ALL list.sbatch)
pack=$(sbatch --parsable --export=ALL --dependency="afterok:$list" pack.sbatch)
sbatch --export=ALL --dependency="afterok:$pack" merge.sbatch
