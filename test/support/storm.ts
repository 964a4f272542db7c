/** The simulator of a callback storm: far more shuffled and duplicated callbacks than Twilio sends. */
import type { SimulatorOptions } from '../../local/twilio-simulator';

export const STORM_SIMULATOR: SimulatorOptions = {
  seed: 20261130,
  outOfOrderRate: 0.35,
  duplicateRate: 0.25,
  whatsappReadRate: 0.5,
  stepDelayMs: [1, 10],
  callbackConcurrency: 32,
};
