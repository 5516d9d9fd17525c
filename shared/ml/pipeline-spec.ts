/**
 * The Vertex AI pipeline as KFP v2 IR (PipelineSpec JSON), built in TypeScript. Two container
 * components run the project's trainer image: `validate` (extract + validate) and `train` (the rest).
 */

/** Pipeline parameters, as passed in `runtimeConfig.parameterValues`. */
export const PIPELINE_PARAMETERS = {
  run_id: 'STRING',
  model_id: 'STRING',
  correlation_id: 'STRING',
  data_uri: 'STRING',
  contract_uri: 'STRING',
  artifact_uri: 'STRING',
  seed: 'NUMBER_INTEGER',
  hyperparameters: 'STRING',
} as const;
/** A pipeline parameter name. */
export type PipelineParameter = keyof typeof PIPELINE_PARAMETERS;

/** Trainer steps that run as pipeline components. */
export const TRAINER_STEPS = ['validate', 'train'] as const;
/** A trainer step. */
export type TrainerStep = (typeof TRAINER_STEPS)[number];

/** Options of the spec. */
export interface PipelineSpecOptions {
  /** The trainer image URI. */
  image: string;
  name?: string;
  /** Trainer command inside the image. */
  command?: string[];
  cpuLimit?: number;
  memoryLimitGiB?: number;
}

const names = Object.keys(PIPELINE_PARAMETERS) as PipelineParameter[];
const flag = (p: PipelineParameter): string => `--${p.replace(/_/g, '-')}`;

/** Build the PipelineSpec object (JSON-serialisable). */
export function buildPipelineSpec(options: PipelineSpecOptions): Record<string, unknown> {
  const parameters = Object.fromEntries(names.map((p) => [p, { parameterType: PIPELINE_PARAMETERS[p] }]));
  const components: Record<string, unknown> = {};
  const executors: Record<string, unknown> = {};
  const tasks: Record<string, unknown> = {};
  TRAINER_STEPS.forEach((step, i) => {
    components[`comp-${step}`] = { executorLabel: `exec-${step}`, inputDefinitions: { parameters } };
    executors[`exec-${step}`] = {
      container: {
        image: options.image,
        command: options.command ?? ['node', '--import', 'tsx', 'shared/composition/trainer.ts'],
        args: ['--step', step, ...names.flatMap((p) => [flag(p), `{{$.inputs.parameters['${p}']}}`])],
        resources: { cpuLimit: options.cpuLimit ?? 4, memoryLimit: options.memoryLimitGiB ?? 8 },
      },
    };
    tasks[step] = {
      taskInfo: { name: step },
      componentRef: { name: `comp-${step}` },
      inputs: { parameters: Object.fromEntries(names.map((p) => [p, { componentInputParameter: p }])) },
      ...(i > 0 ? { dependentTasks: [TRAINER_STEPS[i - 1]] } : {}),
    };
  });
  return {
    pipelineInfo: { name: options.name ?? 'ipo-mlops-training' },
    sdkVersion: 'ipo-mlops-ts-1.0',
    schemaVersion: '2.1.0',
    components,
    deploymentSpec: { executors },
    root: { inputDefinitions: { parameters }, dag: { tasks } },
  };
}

/** The command-line flag of a pipeline parameter (what the trainer parses). */
export function parameterFlag(p: PipelineParameter): string {
  return flag(p);
}
