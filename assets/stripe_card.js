// Stripe's card element on the payment methods page (PORTAL_BILLING_PROVIDER=stripe; README "Stripe").
//
// The card number, expiry and security code are typed into Stripe's own element and go from this
// browser to Stripe only: the portal's server and its Reflex state never see them. The page's
// element (#stripe-card-element) names Stripe.js, the publishable key and the language in its
// data attributes; `mount` loads Stripe.js (once) and mounts the card element there. To add the
// card, the server creates a SetupIntent and calls `confirm` with its client secret (a script
// call, kept in no state); `confirm` answers {setup_intent: id} once Stripe has confirmed the
// card, or {error: message}, and the server then reads the card back from Stripe by that id.
(() => {
  let loading = null; // the Stripe.js script, while and after it loads
  let mounted = null; // {node, stripe, card}

  function loadStripe(src) {
    if (!loading) {
      loading = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = src;
        script.onload = () => (typeof window.Stripe === "function" ? resolve() : reject(new Error("no Stripe")));
        script.onerror = () => {
          loading = null; // a later visit tries again
          script.remove();
          reject(new Error("Stripe.js did not load"));
        };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function unmount() {
    if (mounted) {
      try {
        mounted.card.destroy();
      } catch (e) {
        // already gone with its node
      }
      mounted = null;
    }
  }

  async function mount(node) {
    if (!node || (mounted && mounted.node === node)) return;
    unmount();
    node.dataset.state = "loading";
    try {
      await loadStripe(node.dataset.jsUrl);
    } catch (e) {
      node.dataset.state = "failed";
      node.textContent = node.dataset.failedText || "";
      return;
    }
    if (!node.isConnected || (mounted && mounted.node === node)) return;
    const stripe = window.Stripe(node.dataset.key, { locale: node.dataset.locale || "auto" });
    const styles = getComputedStyle(node);
    const card = stripe.elements().create("card", {
      style: { base: { fontSize: "16px", color: styles.color, fontFamily: styles.fontFamily } },
    });
    card.mount(node);
    mounted = { node, stripe, card };
    node.dataset.state = "ready";
  }

  async function confirm(clientSecret) {
    if (!mounted || !mounted.node.isConnected) return { error: "" };
    let result;
    try {
      result = await mounted.stripe.confirmCardSetup(clientSecret, { payment_method: { card: mounted.card } });
    } catch (e) {
      return { error: "" };
    }
    if (!result || result.error || !result.setupIntent) {
      const message = result && result.error && result.error.message;
      return { error: typeof message === "string" ? message.slice(0, 200) : "" };
    }
    return { setup_intent: String(result.setupIntent.id) };
  }

  function clear() {
    if (!mounted) return;
    if (typeof mounted.card.clear === "function") {
      mounted.card.clear();
    } else {
      const node = mounted.node; // an element without clear(): a fresh one in its place
      unmount();
      mount(node);
    }
  }

  window.portalStripeCard = {
    mount: (id) => mount(document.getElementById(id)),
    unmount,
    confirm,
    clear,
  };

  // The element's on_mount asks for `mount`; a box that appears without being mounted (its page
  // rendered before this script ran, or another box with its id was still leaving the page) is
  // mounted when it shows up: a box without a data-state has never been mounted.
  const ELEMENT = "stripe-card-element";
  function mountWaiting() {
    const node = document.getElementById(ELEMENT);
    if (node && !node.dataset.state) mount(node);
  }
  new MutationObserver(mountWaiting).observe(document.documentElement, { childList: true, subtree: true });
  mountWaiting();
})();
