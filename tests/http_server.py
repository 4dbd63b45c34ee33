"""A real HTTP server on 127.0.0.1 serving files, with Range support and scripted faults."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class FileServer:
    """Serves ``root``; ``cut_after[name] = n`` sends the full Content-Length but closes
    the connection after ``n`` body bytes, once."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.cut_after = {}
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.lstrip('/')
                server.requests.append((name, self.headers.get('Range')))
                path = server.root / name
                if not path.is_file():
                    self.send_error(404, 'Not Found')
                    return
                data = path.read_bytes()
                start = 0
                rng = self.headers.get('Range')
                if rng:
                    start = int(rng.split('=')[1].split('-')[0])
                    if start >= len(data):
                        self.send_error(416, 'Range Not Satisfiable')
                        return
                    self.send_response(206)
                    self.send_header('Content-Range', f'bytes {start}-{len(data) - 1}/{len(data)}')
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                cut = server.cut_after.pop(name, None)
                self.wfile.write(body if cut is None else body[:cut])
                if cut is not None:
                    self.wfile.flush()
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}/'
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
