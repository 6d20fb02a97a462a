/**
 * Terminal output for the CLI. Plain synchronous writes to fd 1 and 2: touching
 * process.stdout/stderr loads Node's stream and net modules, a measurable share of a
 * `lists` run, and a short command gains nothing from asynchronous output.
 */
import { writeSync } from 'node:fs'

function writeAll(fd: number, text: string): void {
  let buffer = Buffer.from(text)
  while (buffer.length) {
    try {
      buffer = buffer.subarray(writeSync(fd, buffer))
    } catch (e) {
      // A non-blocking pipe that is full: wait for the reader instead of losing output.
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5)
    }
  }
}

export const writeOut = (text: string): void => writeAll(1, text)
export const writeErr = (text: string): void => writeAll(2, text)
