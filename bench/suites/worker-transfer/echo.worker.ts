// The worker of the worker-transfer benchmark: sends back what it gets, by transfer or by copy.
import * as Comlink from 'comlink';
import type { EchoApi } from './protocol.ts';

const api: EchoApi = {
  echoTransfer(buffer) {
    return Comlink.transfer(buffer, [buffer]);
  },
  echoCopy(buffer) {
    return buffer;
  },
};

Comlink.expose(api);
