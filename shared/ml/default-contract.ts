/** The default data contract: the original guide's company-panel schema. */
import defaultContractJson from './default-contract.json' with { type: 'json' };
import { parseContract, type DataContract } from './contract.js';

/** The default contract, parsed once. */
export const DEFAULT_CONTRACT: DataContract = parseContract(defaultContractJson);
