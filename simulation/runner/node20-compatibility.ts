/**
 * Lets the local runs (tests, demo, benchmark) work on Node.js 20 as well as 22+; does nothing on
 * newer Node:
 * - aws-local-stepfunctions calls Promise.withResolvers, which Node.js has only from 22 on;
 * - the AWS SDK warns on Node 20 that future SDK releases will need Node 22. The deployed Lambdas
 *   run on the current Node.js runtime, and the local runs make no AWS call, so the warning is noise.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const promiseConstructor = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };

if (typeof promiseConstructor.withResolvers !== 'function') {
  promiseConstructor.withResolvers = <T>(): Resolvers<T> => {
    let resolve!: Resolvers<T>['resolve'];
    let reject!: Resolvers<T>['reject'];
    const promise = new Promise<T>((onResolve, onReject) => {
      resolve = onResolve;
      reject = onReject;
    });
    return { promise, resolve, reject };
  };
}

export {};
