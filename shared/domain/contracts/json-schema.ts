/** JSON Schema files for operators, rendered from the zod contracts (pure; a script writes them to docs/contracts). */
import { z } from 'zod';
import { TOPICS, type Topic } from '../topics.js';
import { renderContractsReadme } from './contracts-readme.js';
import { TOPIC_SHAPES, topicInputSchema } from './topic-contracts.js';

/** The file name of a topic's schema under docs/contracts. */
export function schemaFileName(topic: Topic): string {
  return `${topic}.schema.json`;
}

/** The JSON Schema (input side: what a publisher may send) of one topic. */
export function topicJsonSchema(topic: Topic): Record<string, unknown> {
  const schema = z.toJSONSchema(topicInputSchema(topic), { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  const { $schema, title: _title, description, ...rest } = schema;
  const shapes = `Accepted shapes: ${Object.keys(TOPIC_SHAPES[topic]).join(', ')}.`;
  return {
    $schema,
    $id: `ipo-mlops/contracts/${schemaFileName(topic)}`,
    title: `${topic} message`,
    description: typeof description === 'string' ? `${description} ${shapes}` : shapes,
    ...rest,
  };
}

/** Every generated file (`<topic>.schema.json` and `README.md`) by file name, deterministic. */
export function renderContractSchemas(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const topic of TOPICS) files[schemaFileName(topic)] = `${JSON.stringify(topicJsonSchema(topic), null, 2)}\n`;
  files['README.md'] = renderContractsReadme();
  return files;
}
