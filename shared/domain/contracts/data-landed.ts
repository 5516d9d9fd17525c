/** Contract of the `data-landed` topic: a new data snapshot is available for training. */
import { z } from 'zod';
import { commandKeyFields, dataUriSchema, isoDatetimeSchema, modelIdField, nonEmpty, type WithKeys } from './common.js';

/** Who announced the data. */
export const DATA_SOURCES = ['gcs', 'loader', 'operator', 'local-folder'] as const;
/** A data source. */
export type DataSource = (typeof DATA_SOURCES)[number];

/** What a publisher sends on `data-landed`. */
export const dataLandedInputSchema = z
  .strictObject({
    type: z.literal('data.landed'),
    modelId: modelIdField,
    dataUri: dataUriSchema.describe('Where the snapshot is: gs://bucket/path or file://path'),
    rowCount: z.number().int().min(0).optional(),
    snapshotAt: isoDatetimeSchema.optional(),
    source: z.enum(DATA_SOURCES).default('operator'),
    contractUri: nonEmpty
      .optional()
      .describe(
        "Data contract to validate the snapshot against (default: the sidecar NAME.contract.json next to NAME.csv, else the model's contract)",
      ),
    sizeBytes: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        'Size of the snapshot when the announcer knows it (Storage finalize): over IPO_MAX_DATASET_BYTES it is refused before it is read',
      ),
    ...commandKeyFields,
  })
  .meta({ title: 'data.landed', description: 'A new data snapshot landed; may start a training run.' });

/** The JSON a publisher sends on `data-landed`. */
export type DataLandedInput = z.input<typeof dataLandedInputSchema>;
/** A decoded `data.landed` message. */
export type DataLanded = WithKeys<z.output<typeof dataLandedInputSchema>>;
