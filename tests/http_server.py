"""A real HTTP server on 127.0.0.1 serving files, with Range support and scripted faults."""
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class FileServer:
    """Serves ``root`` (paths without their query string).

    Scripted behaviour, per path name:
    - ``cut_after[name] = n``: send the full Content-Length but close the connection after
      ``n`` body bytes, once;
    - ``no_length.add(name)``: send the body with no Content-Length (ended by closing the
      connection), together with ``cut_after`` a body cut short that looks complete;
    - ``pages[name] = (status, content_type, body)``: answer with these bytes instead;
    - ``aliases[name] = file``: serve ``root / file`` under another name (Range included).
    ``requests`` logs ``(name, Range header)``, ``paths`` the full request paths.
    """

    def __init__(self, root: Path):
        self.root = Path(root)
        self.cut_after = {}
        self.no_length = set()
        self.pages = {}
        self.aliases = {}
        self.requests = []
        self.paths = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                name = urllib.parse.urlsplit(self.path).path.lstrip('/')
                server.requests.append((name, self.headers.get('Range')))
                server.paths.append(self.path)
                if name in server.pages:
                    status, content_type, body = server.pages[name]
                    self.send_response(status)
                    self.send_header('Content-Type', content_type)
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                path = server.root / server.aliases.get(name, name)
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
                self.send_header('Content-Type', 'application/octet-stream')
                if name not in server.no_length:
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
