// Enforces the dependency direction of DESIGN.md ("Architecture at a glance") on resolved
// paths, so `../../server/x` is caught however it is spelled:
//   src/algorithms → itself only (pure kernels: nothing of the app)
//   src/shared     → itself only (both the browser and the server import it)
//   src/jio        → shared
//   src/workers    → jio, algorithms, shared
//   src/gadgets    → jio, workers, shared
//   src/*.ts       → anything under src/ (entry points wire the layers together)
//   server/        → src/shared, src/algorithms (both pure code: the lake takes the pyramid's
//                    level-1 kernel from src/algorithms)
// Browser code (src/) never imports server/, and nothing under src/ imports a Node built-in.
import path from 'node:path';
import { builtinModules } from 'node:module';

const root = path.resolve(import.meta.dirname, '..');

const allowed = {
  'src/algorithms': ['src/algorithms'],
  'src/shared': ['src/shared'],
  'src/jio': ['src/jio', 'src/shared'],
  'src/workers': ['src/workers', 'src/jio', 'src/algorithms', 'src/shared'],
  'src/gadgets': ['src/gadgets', 'src/jio', 'src/workers', 'src/shared'],
  src: ['src'],
  server: ['server', 'src/shared', 'src/algorithms'],
};

const nodeBuiltins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** The layer a repository-relative path belongs to, or undefined when unrestricted. */
function layerOf(relative) {
  const parts = relative.split(path.sep);
  if (parts[0] === 'server') return 'server';
  if (parts[0] !== 'src') return undefined;
  if (parts.length === 2) return 'src';
  const layer = `src/${parts[1]}`;
  return layer in allowed ? layer : 'src';
}

function isInside(relative, layer) {
  return (
    relative === layer || relative.startsWith(layer + path.sep) || relative.startsWith(layer + '/')
  );
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Keep imports inside the layer boundaries of DESIGN.md' },
    schema: [],
  },
  create(context) {
    const file = path.relative(root, context.filename);
    const layer = layerOf(file);
    if (layer === undefined) return {};
    function check(node, source) {
      if (typeof source !== 'string') return;
      if (layer !== 'server' && nodeBuiltins.has(source)) {
        context.report({
          node,
          message: `${layer} runs in the browser: it may not import the Node built-in '${source}'.`,
        });
        return;
      }
      if (!source.startsWith('.')) return;
      const target = path.relative(root, path.resolve(path.dirname(context.filename), source));
      if (!allowed[layer].some((ok) => isInside(target, ok))) {
        context.report({
          node,
          message: `${layer} may import only ${allowed[layer].join(', ')}; '${source}' resolves to ${target}.`,
        });
      }
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};
