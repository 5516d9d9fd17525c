/** Each function's route, so the deployed entry points and the embedded bus run the same code. */
import type { FunctionName } from '../../domain/topics.js';
import type { Route } from '../edge.js';
import { driftRoute } from './drift-alert.route.js';
import { evalCompleteRoute } from './eval-complete.route.js';
import { newDataRoute } from './new-data.route.js';
import { promotionRoute } from './promotion.route.js';

/** The route of every function. */
export const FUNCTION_ROUTES: Readonly<Record<FunctionName, Route>> = {
  'on-new-data': newDataRoute,
  'on-eval-complete': evalCompleteRoute,
  'on-promotion': promotionRoute,
  'on-drift-alert': driftRoute,
};
