import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TERRAFORM_DIR, listTfFiles, type TfModule } from './hcl.js';
import { loadDeployment, type Deployment } from './fixture.js';

let d: Deployment;
beforeAll(async () => {
  d = await loadDeployment();
});

const terraformOnPath = spawnSync('terraform', ['version'], { encoding: 'utf8' }).error === undefined;
if (!terraformOnPath) console.warn('\n*** SKIPPED: `terraform fmt -check` (no terraform binary on PATH) ***\n');

describe('layout and conventions', () => {
  it('has the module layout of terraform-google-cloud-functions', () => {
    const files = listTfFiles(TERRAFORM_DIR);
    for (const f of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf']) {
      expect(files).toContain(f);
      expect(files).toContain(`modules/event-function/${f}`);
    }
    expect(files.filter((f) => f.includes('/')).every((f) => f.startsWith('modules/event-function/'))).toBe(true);
  });

  it('types and describes every variable, in the root and in the module', () => {
    const modules: TfModule[] = [d.root, d.eventFunction];
    for (const mod of modules) {
      expect(Object.keys(mod.variables).length).toBeGreaterThan(5);
      for (const [name, v] of Object.entries(mod.variables)) {
        expect(typeof v.type === 'string' && v.type.length > 0, `${mod.dir}: variable ${name} has no type`).toBe(true);
        expect(
          typeof v.description === 'string' && v.description.length > 10,
          `${mod.dir}: variable ${name} has no description`,
        ).toBe(true);
      }
      for (const [name, o] of Object.entries(mod.outputs))
        expect(typeof o.description, `output ${name}`).toBe('string');
    }
  });

  it('pins google and google-beta (and every provider) to a bounded range', () => {
    const required = d.root.terraform.flatMap(
      (t) => (t.required_providers ?? []) as Record<string, { version: string }>[],
    );
    const providers = Object.assign({}, ...required) as Record<string, { version: string }>;
    expect(Object.keys(providers)).toEqual(expect.arrayContaining(['google', 'google-beta']));
    for (const [name, p] of Object.entries(providers)) expect(p.version, name).toMatch(/^>=\s*[\d.]+,\s*<\s*[\d.]+$/);
  });

  it('enables the API behind every resource family it declares', () => {
    const apis = (d.root.resources.find((r) => r.type === 'google_project_service')?.body.for_each ?? '') as string;
    const needs: Record<string, string[]> = {
      google_cloudfunctions2_: ['cloudfunctions', 'run', 'cloudbuild', 'eventarc', 'artifactregistry'],
      google_pubsub_: ['pubsub'],
      google_bigquery_: ['bigquery'],
      google_firestore_: ['firestore'],
      google_cloud_scheduler_: ['cloudscheduler'],
      google_logging_: ['logging'],
      google_monitoring_: ['monitoring'],
      google_secret_manager_: ['secretmanager'],
      google_vertex_ai_: ['aiplatform'],
      google_artifact_registry_: ['artifactregistry'],
      google_service_account: ['iam', 'iamcredentials'],
    };
    for (const [prefix, services] of Object.entries(needs)) {
      if (
        !d.root.resources.some((r) => r.type.startsWith(prefix)) &&
        !d.eventFunction.resources.some((r) => r.type.startsWith(prefix))
      )
        continue;
      for (const s of services) expect(apis, `${prefix}* needs ${s}`).toContain(`"${s}.googleapis.com"`);
    }
  });

  it('gives an example for every required variable in terraform.tfvars.example', () => {
    const example = readFileSync(join(TERRAFORM_DIR, 'terraform.tfvars.example'), 'utf8');
    const set = [...example.matchAll(/^([a-z_]+)\s*=/gm)].map((m) => m[1]);
    for (const name of set) expect(Object.keys(d.root.variables), name).toContain(name);
    for (const [name, v] of Object.entries(d.root.variables))
      if (v.default === undefined) expect(set, name).toContain(name);
  });

  it.skipIf(!terraformOnPath)('is formatted (terraform fmt -check -recursive)', () => {
    const res = spawnSync('terraform', ['fmt', '-check', '-recursive', TERRAFORM_DIR], { encoding: 'utf8' });
    expect(res.stdout.trim(), 'files needing `terraform fmt`').toBe('');
    expect(res.status).toBe(0);
  });
});
