import type { Value } from '../python/values.js'

export type Expr =
  | { kind: 'const'; value: Value; line: number }
  | { kind: 'name'; name: string; line: number }
  | { kind: 'getattr'; target: Expr; attr: string; line: number }
  | { kind: 'getitem'; target: Expr; index: Expr; line: number }
  | { kind: 'slice'; target: Expr; start?: Expr; stop?: Expr; step?: Expr; line: number }
  | { kind: 'call'; callee: Expr; args: Expr[]; kwargs: [string, Expr][]; line: number }
  | { kind: 'filter'; target: Expr; name: string; args: Expr[]; kwargs: [string, Expr][]; line: number }
  | { kind: 'test'; target: Expr; name: string; args: Expr[]; kwargs: [string, Expr][]; negated: boolean; line: number }
  | { kind: 'binop'; op: string; left: Expr; right: Expr; line: number }
  | { kind: 'unary'; op: '-' | '+' | 'not'; operand: Expr; line: number }
  | { kind: 'compare'; first: Expr; rest: [string, Expr][]; line: number }
  | { kind: 'and' | 'or'; left: Expr; right: Expr; line: number }
  | { kind: 'cond'; test: Expr; then: Expr; otherwise?: Expr; line: number }
  | { kind: 'list' | 'tuple'; items: Expr[]; line: number }
  | { kind: 'dict'; entries: [Expr, Expr][]; line: number }

export type Stmt =
  | { kind: 'data'; text: string; line: number }
  | { kind: 'output'; expr: Expr; line: number }
  | { kind: 'if'; branches: { test: Expr; body: Stmt[] }[]; otherwise: Stmt[]; line: number }
  | {
      kind: 'for'
      targets: string[]
      iter: Expr
      filter?: Expr
      body: Stmt[]
      otherwise: Stmt[]
      line: number
    }
  | { kind: 'set'; targets: string[]; expr: Expr; line: number }
