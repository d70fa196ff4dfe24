// The operators' mesh board (board.html): services × replicas, live from GET /mesh.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Board } from './board';
import '../styles.css';
import './board.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Board />
  </StrictMode>,
);
