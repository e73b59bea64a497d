# Source this file: it puts Node 24 first on PATH. A machine whose own Node is older than
# 22.12 gets Node 24 from the npm registry's `node` package, installed once into .tools/.
_batchops_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null; then
  if [ ! -x "$_batchops_root/.tools/node_modules/.bin/node" ]; then
    echo "Installing Node 24 into .tools/ (this machine's node is $(node --version 2>/dev/null || echo missing))" >&2
    npm install --prefix "$_batchops_root/.tools" --no-audit --no-fund --no-save --loglevel=error node@24 >&2
  fi
  export PATH="$_batchops_root/.tools/node_modules/.bin:$PATH"
fi
unset _batchops_root
