/** Runs in every test file: the scratch directories it made (helpers/temp.ts) go when its tests are done. */
import { afterAll } from '@jest/globals'
import { removeTempDirs } from './helpers/temp.js'

afterAll(removeTempDirs)
