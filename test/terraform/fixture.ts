/**
 * The parsed deployment shared by the Terraform tests: the root module, the event-function module,
 * and each function's module block with its literal inputs.
 */
import { FUNCTION_NAMES, type FunctionName } from '../../shared/domain/topics.js';
import { EVENT_FUNCTION_DIR, TERRAFORM_DIR, loadModule, type Inputs, type TfModule } from './hcl.js';

/** The parsed deployment. */
export interface Deployment {
  root: TfModule;
  eventFunction: TfModule;
  /** Each function's `module` block inputs, keyed by function name. */
  functions: Record<FunctionName, Inputs>;
}

/** Parse terraform/ and index the event-function instances by their `name` input. */
export async function loadDeployment(): Promise<Deployment> {
  const root = await loadModule(TERRAFORM_DIR);
  const eventFunction = await loadModule(EVENT_FUNCTION_DIR);
  const functions: Partial<Record<FunctionName, Inputs>> = {};
  for (const [blockName, inputs] of Object.entries(root.modules)) {
    if (inputs.source !== './modules/event-function') continue;
    const name = inputs.name;
    if (typeof name !== 'string' || !(FUNCTION_NAMES as readonly string[]).includes(name)) {
      throw new Error(`module.${blockName} instantiates event-function with unknown name ${JSON.stringify(name)}`);
    }
    if (functions[name as FunctionName]) throw new Error(`two module blocks deploy ${name}`);
    functions[name as FunctionName] = inputs;
  }
  return { root, eventFunction, functions: functions as Record<FunctionName, Inputs> };
}
