// Starts the telegram-test-api emulator for assetbot's end-to-end tests:
// node server.js PORT. It listens on 127.0.0.1, prints "ready" once it
// accepts connections, and runs until killed.
'use strict';

const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node server.js PORT');
  process.exit(2);
}
// storeTimeout: keep every message for the whole run (the default of 60 s
// would drop the history the tests read).
const server = new TelegramServer({ host: '127.0.0.1', port, storeTimeout: 3600 });
server.start().then(
  () => console.log('ready'),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
