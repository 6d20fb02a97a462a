/** This tool's version: package.json's, put in by the bundler (scripts/build.mjs); tests run src/ as 0.0.0-dev. */
declare const __KB_VERSION__: string | undefined
export const TOOL_VERSION: string = typeof __KB_VERSION__ === 'string' ? __KB_VERSION__ : '0.0.0-dev'
export const USER_AGENT = `kubespray-bundle/${TOOL_VERSION}`
