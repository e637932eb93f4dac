/**
 * Every SageMaker control of Security Hub CSPM, one module each. Adding a control means adding its
 * module here (and its test): the catalogue, event pattern, routing, IAM and docs follow from this list.
 */
import { sageMaker1 } from './sagemaker-1.js';
import { sageMaker2 } from './sagemaker-2.js';
import { sageMaker3 } from './sagemaker-3.js';
import { sageMaker4 } from './sagemaker-4.js';
import { sageMaker5 } from './sagemaker-5.js';
import { sageMaker6 } from './sagemaker-6.js';
import { sageMaker7 } from './sagemaker-7.js';
import { sageMaker8 } from './sagemaker-8.js';
import { sageMaker9 } from './sagemaker-9.js';
import { sageMaker10 } from './sagemaker-10.js';
import { sageMaker11 } from './sagemaker-11.js';
import { sageMaker12 } from './sagemaker-12.js';
import { sageMaker13 } from './sagemaker-13.js';
import { sageMaker14 } from './sagemaker-14.js';
import { sageMaker15 } from './sagemaker-15.js';
import { sageMaker16 } from './sagemaker-16.js';
import { sageMaker17 } from './sagemaker-17.js';
import { sageMaker18 } from './sagemaker-18.js';
import { sageMaker19 } from './sagemaker-19.js';
import { sageMaker20 } from './sagemaker-20.js';
import { sageMaker21 } from './sagemaker-21.js';
import { sageMaker22 } from './sagemaker-22.js';
import { sageMaker23 } from './sagemaker-23.js';
import { sageMaker24 } from './sagemaker-24.js';
import { sageMaker25 } from './sagemaker-25.js';

export const CONTROL_MODULES = [
  sageMaker1,
  sageMaker2,
  sageMaker3,
  sageMaker4,
  sageMaker5,
  sageMaker6,
  sageMaker7,
  sageMaker8,
  sageMaker9,
  sageMaker10,
  sageMaker11,
  sageMaker12,
  sageMaker13,
  sageMaker14,
  sageMaker15,
  sageMaker16,
  sageMaker17,
  sageMaker18,
  sageMaker19,
  sageMaker20,
  sageMaker21,
  sageMaker22,
  sageMaker23,
  sageMaker24,
  sageMaker25,
] as const;
