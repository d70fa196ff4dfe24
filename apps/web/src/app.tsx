export function App() {
  return (
    <main>
      <h1>failsoft</h1>
      <nav>
        <a href="board.html">Mesh board</a>
      </nav>
    </main>
  );
}
