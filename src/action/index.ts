/** The action's entry (action.yml runs dist/index.js). */
import { run } from './main.js'
import { tuneGarbageCollectionForDownloads } from '../adapters/gc-tuning.js'

tuneGarbageCollectionForDownloads()

// The cache's HTTP clients can keep sockets alive after the work is done (actions/cache and
// setup-node exit explicitly for the same reason); exit with the status run() left.
void run().then(() => process.exit())
