// Writes deploy/k8s/failsoft.yaml from the generator (see k8s-manifests.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from '#service';
import { manifestsYaml } from './k8s-manifests.js';

const file = join(findRepoRoot(), 'deploy', 'k8s', 'failsoft.yaml');
writeFileSync(file, manifestsYaml());
process.stdout.write(`wrote ${file}\n`);
