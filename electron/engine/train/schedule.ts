// Learning-rate schedules for training (engine layer): the pure schedule lives in shared/, where the renderer draws it too.
export { learningRateAt } from '../../../shared/schedule.js';
