"""Rate limits: guesses and floods are slowed; the real user and a room behind one NAT are not."""
from support.forms import Browser, csrf_token_in, join
from support.factories import PASSWORD


def login_from(app, address, email, password):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    page = client.get("/auth/login").get_data(as_text=True)
    return client.post("/auth/login", data={"csrf_token": csrf_token_in(page), "email": email, "password": password})


def test_password_guessing_is_slowed_but_the_owner_can_still_log_in(app, facilitator):
    for _ in range(5):
        assert login_from(app, "203.0.113.9", facilitator.email, "wrong").status_code == 422
    refused = login_from(app, "203.0.113.9", facilitator.email, PASSWORD)
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert "Retry-After" in refused.headers
    # The real user, from their own address, is not locked out.
    assert login_from(app, "198.51.100.7", facilitator.email, PASSWORD).status_code == 303


def test_wrong_codes_are_throttled_but_the_right_code_always_works(app, live_workshop):
    guesser = app.test_client()
    for number in range(60):
        assert guesser.get(f"/j/ZZZ{number:03d}").status_code == 404
    assert guesser.get("/j/ZZZ999").status_code == 429
    # Phones behind the same address still join the real workshop.
    for _ in range(5):
        page = join(app.test_client(), live_workshop)
        assert "First question?" in page
    assert guesser.get(f"/j/{live_workshop.join_code}").status_code == 200


def test_a_flooding_phone_is_stopped_and_the_facilitator_sees_it(app, logged_in, phone, live_workshop):
    url = f"/j/{live_workshop.join_code}/q/{live_workshop.question_ids[0]}"
    token = csrf_token_in(phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True))
    statuses = [phone.post(url, data={"csrf_token": token, "text": f"spam {n}"}).status_code for n in range(25)]
    assert statuses[:20] == [303] * 20 and set(statuses[20:]) == {429}
    console = logged_in.get(f"/host/workshops/{live_workshop.id}").get_data(as_text=True)
    assert "5 requests were refused as a flood" in console
    # Another phone in the same room is not affected.
    other = app.test_client()
    join(other, live_workshop)
    token = csrf_token_in(other.get(f"/j/{live_workshop.join_code}").get_data(as_text=True))
    assert other.post(url, data={"csrf_token": token, "text": "calm"}).status_code == 303


def test_facilitator_can_close_joining_and_set_a_passcode(app, logged_in, live_workshop):
    console = f"/host/workshops/{live_workshop.id}"
    logged_in.submit(console, f"{console}/joining", {"joining": "closed", "passcode": ""})
    page = Browser(app.test_client()).submit(f"/j/{live_workshop.join_code}", f"/j/{live_workshop.join_code}/join", {})
    assert page.status_code == 409 or "Joining is closed" in page.get_data(as_text=True)
    logged_in.submit(console, f"{console}/joining", {"joining": "open", "passcode": "fjell"})
    phone = Browser(app.test_client())
    url = f"/j/{live_workshop.join_code}"
    wrong = phone.submit(url, f"{url}/join", {"passcode": "dal"})
    assert wrong.status_code == 422 and "passcode" in wrong.get_data(as_text=True).lower()
    assert phone.submit(url, f"{url}/join", {"passcode": "Fjell "}).status_code == 303
