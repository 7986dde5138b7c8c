from conftest import csrf_from
from facilitator.infra.extensions import db
from sqlalchemy import event
import traceback

def test_dbg(app, phone, live_workshop):
    page = phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True)
    with app.app_context():
        engine = db.engine
    def on_stmt(conn, cursor, statement, *a):
        print("SQL", statement[:100])
    def on_begin(conn):
        print("BEGIN"); print("".join(traceback.format_stack(limit=14)[:-1]))
    event.listen(engine, "before_cursor_execute", on_stmt)
    event.listen(engine, "begin", on_begin)
    event.listen(engine, "commit", lambda c: print("COMMIT"))
    phone.post(f"/j/{live_workshop.join_code}/q/{live_workshop.question_ids[0]}",
               data={"csrf_token": csrf_from(page), "text": "x"}, headers={"HX-Request": "true"})
